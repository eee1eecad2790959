// node:test custom reporter: writes {"passed": N, "failed": N} for build.ps1 to sum.
// Counts leaf tests only (describe() suites are not counted). Skipped/todo tests count as neither.
export default async function* summaryReporter(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data;
    // describe() suites are not counted: when their hook fails, their tests fail (cancelled) too.
    // A file that cannot even load is reported as a failed test of its own and is counted.
    if (d.details?.type === 'suite') continue;
    if (d.skip || d.todo) {
      skipped++;
      continue;
    }
    if (event.type === 'test:pass') passed++;
    else failed++;
  }
  yield `${JSON.stringify({ passed, failed, skipped })}\n`;
}
