/**
 * The live section: which simulated interfaces `lblab live` binds to real
 * network devices when it runs this scenario (the same as its --attach
 * options). Permission to use a device that carries the default route is
 * never written here: only the person running the command can give it.
 */
import * as z from 'zod';
import { obj, want } from './messages.js';

/** Linux device names: at most 15 bytes (IFNAMSIZ - 1), as src/live/attach.ts accepts them. */
const DEVICE_RE = /^[A-Za-z0-9_.-]{1,15}$/;

/** One attachment: a simulated interface (or a new switch port) and a real device. */
const liveAttach = obj('an attachment', {
  at: z
    .string(want('an interface', 'write node:iface, for example r1:eth0, or a new switch port such as sw2:real1'))
    .regex(/^[a-z][a-z0-9-]*:[A-Za-z][A-Za-z0-9._-]*$/, want('an interface', 'write node:iface, for example r1:eth0, or a new switch port such as sw2:real1')),
  device: z.string(want('a device name', 'write the name of a real device, for example lbl-c0')).regex(DEVICE_RE, want('a Linux device name', 'at most 15 letters, digits, _ . -, for example lbl-c0')),
}).meta({ description: 'a simulated interface bound to a real device: { at: r1:eth0, device: lbl-c0 }' });

/** The live section. */
export const liveSection = obj('the live section', {
  attach: z.array(liveAttach, want('a list of attachments', 'write attach: [{ at: r1:eth0, device: lbl-c0 }]')),
}).meta({ description: 'lblab live: the simulated interfaces bound to real devices (the same as --attach; see docs/live.md)' });
