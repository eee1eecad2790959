namespace DaytonaPS.Emulator.Toolbox;

/// <summary>
/// How a session keeps shell state between commands. Each command runs in its own bash, which
/// first re-applies the session's saved state (cwd, variables with their export flags, functions)
/// and saves it again from an EXIT trap. So `cd` and `export` persist as in one long-lived shell,
/// while `exit 3`, `set -e`, `exec` or an unfinished heredoc end only that command, never the session.
/// </summary>
internal static class SessionShell
{
    /// <summary>bash -c SCRIPT bash STATE_FILE COMMAND_FILE ($0 = "bash" so errors read "bash: ...").</summary>
    public const string Script = """
        __dtn_state=$1 __dtn_cmd_file=$2
        set --
        if [ -f "$__dtn_state" ]; then . "$__dtn_state" >/dev/null 2>&1; else command mkdir -p -- "${__dtn_state%/*}" 2>/dev/null; fi
        __dtn_save() {
          {
            builtin printf 'builtin cd -- %q >/dev/null 2>&1\n' "$PWD"
            local __dtn_n
            for __dtn_n in $(builtin compgen -v); do
              case $__dtn_n in
                __dtn_*|BASH|BASH_*|BASHOPTS|BASHPID|COLUMNS|COMP_*|DIRSTACK|EPOCHREALTIME|EPOCHSECONDS|EUID|FUNCNAME|GROUPS|HISTCMD|HOSTNAME|HOSTTYPE|IFS|LINENO|LINES|MACHTYPE|OLDPWD|OPTARG|OPTERR|OPTIND|OSTYPE|PIPESTATUS|PPID|PS1|PS2|PS4|PWD|RANDOM|SECONDS|SHELLOPTS|SHLVL|SRANDOM|UID|_) continue ;;
              esac
              builtin declare -p "$__dtn_n" 2>/dev/null
            done
            builtin declare -f
          } > "$__dtn_state" 2>/dev/null
        }
        trap __dtn_save EXIT
        __dtn_cmd=$(< "$__dtn_cmd_file")
        eval "$__dtn_cmd"
        """;
}
