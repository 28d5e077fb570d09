/**
 * One screen line drawn with Ink: its segments as nested Text elements, or
 * one plain Text without colour (NO_COLOR: no escape codes at all).
 */
import { Text } from 'ink';
import type { Line } from './segments.js';

/** Props of ScreenLine. */
export interface ScreenLineProps {
  readonly line: Line;
  readonly color: boolean;
}

/** Draws one line, never wrapping it. */
export function ScreenLine({ line, color }: ScreenLineProps) {
  const text = line.map((s) => s.text).join('');
  if (!color) return <Text wrap="truncate-end">{text === '' ? ' ' : text}</Text>;
  return (
    <Text wrap="truncate-end">
      {line.length === 0
        ? ' '
        : line.map((s, i) => (
            <Text key={i} color={s.color} bold={s.bold} dimColor={s.dim} inverse={s.inverse}>
              {s.text}
            </Text>
          ))}
    </Text>
  );
}
