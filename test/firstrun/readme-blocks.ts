import { readFileSync } from 'node:fs';

/**
 * The README's shell examples: every fenced block tagged `bash` or `sh` (the convention: a block
 * meant to be typed into a shell). Blocks tagged otherwise (`json`, none) are not run.
 */
export interface ShellBlock {
  /** 1-based line of the opening fence, for failure messages. */
  line: number;
  /** The nearest heading above the block. */
  heading: string;
  script: string;
}

export function readmeShellBlocks(readmePath: string): ShellBlock[] {
  const lines = readFileSync(readmePath, 'utf8').split('\n');
  const blocks: ShellBlock[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '');
    const open = /^```(\w*)\s*$/.exec(line);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] as string); i++) body.push(lines[i] as string);
    if (open[1] === 'bash' || open[1] === 'sh')
      blocks.push({ line: start + 1, heading, script: body.join('\n') });
  }
  return blocks;
}
