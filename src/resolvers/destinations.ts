import { destinationTypes, type DestinationType, type StoredDestination } from '../destinations/destination.js';
import { builder } from './builder.js';

export const DestinationTypeEnum = builder.enumType('DestinationType', {
  description: 'Kinds of call destination; the manual names EXTENSION, DEPARTMENT, QUEUE, IVR, TIME_RULE and HANGUP',
  values: destinationTypes,
});

export const DestinationInputRef = builder.inputType('DestinationInput', {
  description: 'Where calls go: a kind and its target (the number or global ID of an object; the number for EXTERNAL_NUMBER; none for HANGUP)',
  fields: (t) => ({
    type: t.field({ type: DestinationTypeEnum }),
    target: t.string({ required: false }),
  }),
});

export const DestinationRef = builder.objectRef<StoredDestination>('Destination').implement({
  description: 'Where calls go (one shape for every feature)',
  fields: (t) => ({
    type: t.field({ type: DestinationTypeEnum, resolve: (d) => d.type as DestinationType }),
    target: t.string({
      nullable: true,
      description: 'The current number of the target object, the external number, or null for HANGUP',
      resolve: async (d, _a, ctx) => {
        if (!d.target) return null;
        if (d.type === 'EXTENSION' || d.type === 'VOICEMAIL') return (await ctx.loaders.extensionById.load(d.target))?.number ?? null;
        if (d.type === 'DEPARTMENT') return (await ctx.loaders.departmentById.load(d.target))?.number ?? null;
        return d.target;
      },
    }),
    extension: t.field({
      type: 'Extension' as never,
      nullable: true,
      resolve: (d, _a, ctx) => ((d.target && (d.type === 'EXTENSION' || d.type === 'VOICEMAIL') ? ctx.loaders.extensionById.load(d.target) : null) as never),
    }),
    department: t.field({
      type: 'Department' as never,
      nullable: true,
      resolve: (d, _a, ctx) => ((d.target && d.type === 'DEPARTMENT' ? ctx.loaders.departmentById.load(d.target) : null) as never),
    }),
  }),
});
