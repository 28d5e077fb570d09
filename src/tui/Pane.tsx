/**
 * A block of screen lines of a fixed height: lines beyond it are replaced
 * by a note saying how many are hidden, and short content is padded, so the
 * screen keeps its size and nothing below it moves.
 */
import { Box } from 'ink';
import { ScreenLine } from './ScreenLine.js';
import { seg, type Line } from './segments.js';

/** Props of Pane. */
export interface PaneProps {
  readonly lines: readonly Line[];
  readonly height: number;
  readonly color: boolean;
}

/** Draws exactly `height` lines. */
export function Pane({ lines, height, color }: PaneProps) {
  let shown: readonly Line[] = lines;
  if (lines.length > height) {
    const hidden = lines.length - height + 1;
    shown = [...lines.slice(0, Math.max(0, height - 1)), [seg(`  … ${hidden} more line${hidden === 1 ? '' : 's'} (a taller terminal shows them)`, { dim: true })]];
  }
  const padded = shown.length < height ? [...shown, ...Array.from({ length: height - shown.length }, (): Line => [])] : shown;
  return (
    <Box flexDirection="column" height={height}>
      {padded.slice(0, height).map((l, i) => (
        <ScreenLine key={i} line={l} color={color} />
      ))}
    </Box>
  );
}
