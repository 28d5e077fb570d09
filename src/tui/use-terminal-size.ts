/**
 * The terminal's size in columns and rows, updated when it is resized;
 * fixed values (tests, or a caller that knows better) take precedence.
 */
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

/** A terminal size. */
export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

/** The size to draw for: `fixed` values, else the output stream's, else 80x24. */
export function useTerminalSize(fixed: Partial<TerminalSize> = {}): TerminalSize {
  const { stdout } = useStdout();
  const read = (): TerminalSize => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState<TerminalSize>(read);
  useEffect(() => {
    const onResize = (): void => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return { columns: fixed.columns ?? size.columns, rows: fixed.rows ?? size.rows };
}
