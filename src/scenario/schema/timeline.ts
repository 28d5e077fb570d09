/**
 * The timeline section: entries at a time, each with exactly one action
 * (fail a node, take a link down, drain a server, change a mode, ...).
 */
import * as z from 'zod';
import { obj, problem, want } from './messages.js';
import { count, duration, nodeName, port, serverRef, serviceRef } from './values.js';
import { linkPair } from './links.js';
import { serverItem } from './servers.js';
import { lbMode } from './lb.js';
import { httpStatus, serviceTime } from './apps.js';

const onServer = <T extends z.ZodType>(what: string, value: T) => obj(what, { on: nodeName, port: port.optional(), value });
const onNode = z.union([nodeName, obj('a server switch', { on: nodeName, port: port.optional() })], want('a node, or { on: web1, port: 80 }'));

/** The actions of a timeline entry; an entry has exactly one. */
export const TIMELINE_ACTIONS = [
  'fail',
  'restore',
  'link_down',
  'link_up',
  'drain',
  'enable',
  'disable',
  'weight',
  'add_server',
  'remove_server',
  'mode',
  'http_status',
  'http_body',
  'service_time',
  'stop_server',
  'start_server',
  'stop_accepting',
  'start_accepting',
  'vrrp_stop',
  'vrrp_start',
] as const;

/** A timeline entry: a time and exactly one action. */
export const timelineEntry = obj('a timeline entry', {
  at: duration,
  fail: nodeName.optional(),
  restore: nodeName.optional(),
  link_down: linkPair.optional(),
  link_up: linkPair.optional(),
  drain: serverRef.optional(),
  enable: serverRef.optional(),
  disable: serverRef.optional(),
  weight: obj('a weight change', { server: serverRef, value: count('a weight') }).optional(),
  add_server: obj('a server to add', { service: serviceRef, server: serverItem }).optional(),
  remove_server: serverRef.optional(),
  mode: obj('a mode change', { service: serviceRef, value: lbMode }).optional(),
  http_status: onServer('an http_status change', httpStatus).optional(),
  http_body: onServer('an http_body change', z.string(want('text'))).optional(),
  service_time: onServer('a service_time change', serviceTime).optional(),
  stop_server: onNode.optional(),
  start_server: onNode.optional(),
  stop_accepting: onNode.optional().meta({ description: 'the server application stops calling accept(): its accept queue fills, then SYNs are dropped (overload)' }),
  start_accepting: onNode.optional(),
  vrrp_stop: nodeName.optional().meta({ description: 'stop VRRP gracefully on an lb (a master sends priority 0)' }),
  vrrp_start: nodeName.optional().meta({ description: 'start VRRP again on an lb' }),
}).superRefine((e, ctx) => {
  const present = TIMELINE_ACTIONS.filter((k) => (e as Record<string, unknown>)[k] !== undefined);
  if (present.length === 0) {
    problem(ctx, {
      code: 'no-action',
      message: `a timeline entry needs one action besides \`at\`: ${TIMELINE_ACTIONS.join(', ')}`,
      expected: 'one action',
    });
  } else if (present.length > 1) {
    problem(
      ctx,
      {
        code: 'two-actions',
        message: `a timeline entry has exactly one action, found ${present.map((p) => `\`${p}\``).join(' and ')}; write one entry per action (they may share \`at\`)`,
        expected: 'one action',
      },
      [present[1]!],
    );
  }
});
