// sandbox.getMetrics(): with no analyticsApiUrl in /config the SDK reads GET /sandbox/{id}/telemetry/metrics,
// which the emulator answers with what it measured of the sandbox (cpu, memory, disk).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useEmulator, uniqueName, own, rawApi } from '../lib/harness.mjs';

const ctx = useEmulator();
const GiB = 1024 ** 3;

describe('telemetry', { concurrency: true, timeout: 90_000 }, () => {
  test('getMetrics returns measured samples through the main API', async (t) => {
    const config = await rawApi(ctx, '/config');
    assert.equal(config.body.analyticsApiUrl, undefined, 'the emulator advertises no analytics API');

    const sb = await own(t, ctx.daytona.create({ name: uniqueName('metrics') }));
    await sb.process.executeCommand('head -c 2000000 /dev/zero > /tmp/blob');
    // A session keeps a process resident in the sandbox (a one-off command leaves none behind).
    await sb.process.createSession('hold');
    await sb.process.executeSessionCommand('hold', { command: 'sleep 60', runAsync: true });
    const first = await sb.getMetrics();
    assert.ok(first.length >= 1, 'at least one sample');
    const last = first[first.length - 1];
    assert.ok(last.timestamp instanceof Date && !Number.isNaN(last.timestamp.getTime()));
    assert.equal(last.timestamp.getUTCSeconds(), 0, 'one point per minute, at its start');
    assert.equal(last.cpuCount, 1);
    assert.equal(last.memTotal, GiB);
    assert.equal(last.diskTotal, 3 * GiB);
    assert.ok(last.memUsed > 0, 'the sandbox has resident processes');
    assert.ok(last.diskUsed >= 2_000_000, `disk used ${last.diskUsed}`);

    // The range is honoured: nothing before the sandbox existed.
    const before = await sb.getMetrics(new Date(Date.now() - 3 * 24 * 3600 * 1000), new Date(Date.now() - 2 * 24 * 3600 * 1000));
    assert.deepEqual(before, []);

    // On the wire: the SDK's metric names as repeated keys, and Daytona's series shape.
    const from = new Date(Date.now() - 600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const raw = await rawApi(ctx, `/sandbox/${sb.id}/telemetry/metrics?from=${from}&to=${to}&metricNames=daytona.sandbox.cpu.limit&metricNames=daytona.sandbox.memory.cache`);
    assert.equal(raw.status, 200);
    assert.deepEqual(raw.body.series.map((s) => s.metricName), ['daytona.sandbox.cpu.limit']);
    assert.equal(raw.body.series[0].dataPoints[0].value, 1);
  });

  test('getMetricsLatest reads the sandbox now through the toolbox', async (t) => {
    const sb = await own(t, ctx.daytona.create({ name: uniqueName('latest') }));
    await sb.process.executeCommand('head -c 2000000 /dev/zero > /tmp/blob');
    const m = await sb.getMetricsLatest();
    assert.equal(m.cpuCount, 1);
    assert.equal(m.memTotal, GiB);
    assert.equal(m.diskTotal, 3 * GiB);
    assert.ok(m.diskUsed >= 2_000_000, `disk used ${m.diskUsed}`);
    assert.ok(m.cpuUsedPct >= 0);
    assert.ok(m.timestamp instanceof Date && Math.abs(Date.now() - m.timestamp.getTime()) < 120_000, `timestamp ${m.timestamp}`);
  });
});
