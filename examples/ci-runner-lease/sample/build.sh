# The sample project's build, run by Invoke-SandboxBuild.ps1 in the sandbox (in the synced copy).
set -e
mkdir -p out
echo "Building on $(uname -sm)"
for f in src/*.txt; do
    echo "compiling $f"
    tr 'a-z' 'A-Z' < "$f" > "out/$(basename "$f" .txt).out"
done
echo "build finished: $(ls out | wc -l) artifact(s)"
