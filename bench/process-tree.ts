// What a relay costs, read from /proc for its whole process tree (websockify forks a
// process per connection): CPU time, and proportional set size (PSS, shared pages split
// among the processes that share them, so forked workers are not counted twice).
import { readdirSync, readFileSync } from 'node:fs';

/** The pid and all its descendants. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone already
    }
  }
  const tree: number[] = [];
  for (const todo = [root]; todo.length > 0;) {
    const pid = todo.pop()!;
    tree.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return tree;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * CPU seconds (user + system) of a process tree: each live process's own time plus what
 * it collected from children that ended (cutime, cstime), so that websockify's workers
 * that already exited still count.
 */
export function treeCpuSeconds(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // exited between listing and reading
    }
  }
  return ticks / TICKS_PER_SECOND;
}

/** PSS of a process tree in bytes. */
export function treePssBytes(root: number): number {
  let kib = 0;
  for (const pid of processTree(root)) {
    try {
      kib += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited
    }
  }
  return kib * 1024;
}
