/**
 * The links section: a pair of endpoints, or a map with the pair and the
 * link's delay, bandwidth, loss and queue.
 */
import * as z from 'zod';
import { obj, want } from './messages.js';
import { bandwidth, count, duration, endpoint, probability } from './values.js';

/** The two endpoints of a link. */
export const linkPair = z.tuple([endpoint, endpoint], want('a pair of endpoints', 'write [client1:eth0, sw1:p1]')).meta({ id: 'endpointPair' });

const linkObj = obj('a link', {
  between: linkPair,
  delay: duration.optional(),
  bandwidth: bandwidth.optional(),
  loss: probability.optional(),
  queue: count('a queue length', 1).optional(),
});

/** A link: a pair of endpoints, or a map with the pair and its properties. */
export const link = z.union([linkPair, linkObj], want('a link', 'write [client1:eth0, sw1:p1], or { between: [r1:eth0, sw1:p2], delay: 10us }'));
