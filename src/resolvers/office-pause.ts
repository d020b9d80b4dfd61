import type { DestinationInput } from '../destinations/destination.js';
import type { OfficePauseState } from '../office-pause/service.js';
import { builder } from './builder.js';
import { DestinationInputRef, DestinationRef } from './destinations.js';
import { audited, mutationErrors } from './errors.js';
import { currentThenChanges } from './live.js';

/** Office pause (F-4.2.4.a) and its state in Asterisk (F-4.7.l: *81 / *081 change it from a phone). */

const OfficePauseRef = builder.objectRef<OfficePauseState>('OfficePause').implement({
  description: 'Office pause (F-4.2.4.a): while it is on, every inbound call goes to its destination. Phones switch it with *81 / *081 (F-4.7.l) and can show it on a BLF key (`officepause`)',
  fields: (t) => ({
    active: t.exposeBoolean('active', { description: 'Whether office pause is on (as Asterisk last reported it, or as last set here)' }),
    applied: t.exposeBoolean('applied', { description: 'False while a change made here has not reached Asterisk yet (not connected); it is set there when Asterisk connects' }),
    destination: t.field({
      type: DestinationRef,
      nullable: true,
      description: 'Where inbound calls go while office pause is on; null: none set (office pause cannot be turned on)',
      resolve: (s) => s.destination,
    }),
    updatedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the state or the destination last changed; null: never', resolve: (s) => (s.updatedAt ? new Date(s.updatedAt) : null) }),
  }),
});

builder.queryField('officePause', (t) => t.field({ type: OfficePauseRef, authScopes: { perm: 'settings:read' }, resolve: (_r, _a, ctx) => ctx.services.officePause.state() }));

builder.mutationFields((t) => ({
  setOfficePause: t.field({
    type: OfficePauseRef,
    description: 'Turns office pause on or off (in Asterisk, as *81 / *081 do). Turning it on needs a destination',
    authScopes: { perm: 'settings:write' },
    errors: { types: mutationErrors },
    args: { active: t.arg.boolean({ required: true }) },
    resolve: audited((a: { active: boolean }, c) => c.services.officePause.setActive(a.active)),
  }),
  setOfficePauseDestination: t.field({
    type: OfficePauseRef,
    description: 'Sets where inbound calls go while office pause is on; null removes it (refused while office pause is on)',
    authScopes: { perm: 'settings:write' },
    errors: { types: mutationErrors },
    args: { destination: t.arg({ type: DestinationInputRef, required: false }) },
    resolve: audited((a: { destination?: DestinationInput | null }, c) => c.services.officePause.setDestination(a.destination ?? null)),
  }),
}));

builder.subscriptionField('officePauseChanged', (t) =>
  t.field({
    type: OfficePauseRef,
    description: 'The current office pause first, then every change (by the API or a phone)',
    authScopes: { perm: 'settings:read' },
    subscribe: (_r, _a, ctx) =>
      currentThenChanges(
        ctx,
        'officePause',
        async () => [await ctx.services.officePause.state()],
        () => true,
      ),
    resolve: (state) => state,
  }),
);
