// Reads the output of busybox and iputils ping. Pure: unit tested against real outputs.

export interface PingStats {
  resolvedAddress: string | null;
  transmitted: number;
  received: number;
  packetLoss: number | null;
  rttMs: { min: number; avg: number; max: number } | null;
  // The name did not resolve.
  unresolved: boolean;
  // No route to the address (e.g. from an internal network).
  networkUnreachable: boolean;
}

export function parsePing(output: string): PingStats {
  const header = /^PING \S+ \(([^)]+)\)/m.exec(output);
  const stats =
    /(\d+) packets transmitted, (\d+) (?:packets )?received(?:, \+\d+ (?:errors|duplicates))*, (\d+(?:\.\d+)?)% packet loss/.exec(
      output,
    );
  const rtt =
    /round-trip min\/avg\/max = ([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(output) ??
    /rtt min\/avg\/max\/mdev = ([\d.]+)\/([\d.]+)\/([\d.]+)\/[\d.]+ ms/.exec(output);
  return {
    resolvedAddress: header ? header[1] : null,
    transmitted: stats ? Number(stats[1]) : 0,
    received: stats ? Number(stats[2]) : 0,
    packetLoss: stats ? Number(stats[3]) : null,
    rttMs: rtt ? { min: Number(rtt[1]), avg: Number(rtt[2]), max: Number(rtt[3]) } : null,
    unresolved:
      /bad address|unknown host|Name or service not known|Temporary failure in name resolution|No address associated/i.test(
        output,
      ),
    networkUnreachable: /Network (is )?unreachable/i.test(output),
  };
}

// An exec whose program does not exist in the image: the runtime answers 126/127.
export function programMissing(exitCode: number | null, output: string): boolean {
  return (exitCode === 126 || exitCode === 127) && /not found|no such file/i.test(output);
}

// Splits the matrix probe's output, where each line is prefixed with `<target>|`.
export function splitByTarget(output: string): Map<string, string> {
  const byTarget = new Map<string, string>();
  for (const line of output.split('\n')) {
    const bar = line.indexOf('|');
    if (bar <= 0) continue;
    const target = line.slice(0, bar);
    byTarget.set(target, `${byTarget.get(target) ?? ''}${line.slice(bar + 1)}\n`);
  }
  return byTarget;
}
