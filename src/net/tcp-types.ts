/**
 * The names TCP shares between the stack (tcp.ts), the connection
 * (tcp-conn.ts) and the applications: the connection states, the errors
 * an application can see and why a connection ended. They live below both
 * modules so neither has to import the other for them.
 */

/** The RFC 9293 connection states (LISTEN is a listener's). */
export type TcpState =
  | 'CLOSED'
  | 'LISTEN'
  | 'SYN_SENT'
  | 'SYN_RECEIVED'
  | 'ESTABLISHED'
  | 'FIN_WAIT_1'
  | 'FIN_WAIT_2'
  | 'CLOSE_WAIT'
  | 'CLOSING'
  | 'LAST_ACK'
  | 'TIME_WAIT';

/** The errors an application can see, with their Linux errno names. */
export type TcpError = 'ECONNREFUSED' | 'ETIMEDOUT' | 'EHOSTUNREACH' | 'ENETUNREACH' | 'ECONNRESET' | 'EADDRNOTAVAIL';

/**
 * Why a connection ended for the application: 'normal' (both FINs
 * exchanged, or the attempt was closed before connecting), 'reset' (an RST
 * ended it without an error to report: a half-open request, data after
 * close), 'aborted' (the application called abort()), 'error' (error() was
 * called just before with the code).
 */
export type TcpCloseReason = 'normal' | 'reset' | 'aborted' | 'error';
