import type { DestinationKindSpec, DomainModule, NumberKeyedFamily, NumberKindSpec, ReferrerSpec, RightSpec } from './types.js';

/**
 * The registry of domains. Each domain registers once (src/domains/index.ts);
 * numbering, destinations, referrers, the snapshot, rendering and the
 * dialplan check ask the registry instead of naming kinds.
 */
export class DomainRegistry {
  private readonly modules: DomainModule[] = [];
  private readonly numberKindIndex = new Map<string, NumberKindSpec>();
  private readonly destinationIndex = new Map<string, DestinationKindSpec>();

  register(module: DomainModule): this {
    if (this.modules.some((m) => m.name === module.name)) throw new Error(`domain ${module.name} is registered twice`);
    for (const spec of module.numberKinds ?? []) {
      if (this.numberKindIndex.has(spec.kind)) throw new Error(`number kind ${spec.kind} is registered twice`);
      this.numberKindIndex.set(spec.kind, spec);
    }
    for (const spec of module.destinations ?? []) {
      if (this.destinationIndex.has(spec.type)) throw new Error(`destination kind ${spec.type} is registered twice`);
      this.destinationIndex.set(spec.type, spec);
    }
    for (const right of module.rights ?? []) {
      if (this.rights.some((r) => r.name === right.name)) throw new Error(`right ${right.name} is registered twice`);
    }
    this.modules.push(module);
    return this;
  }

  /** Takes a domain out again (tests that register a made-up domain). */
  unregister(name: string): void {
    const index = this.modules.findIndex((m) => m.name === name);
    if (index < 0) return;
    const [module] = this.modules.splice(index, 1);
    for (const spec of module!.numberKinds ?? []) this.numberKindIndex.delete(spec.kind);
    for (const spec of module!.destinations ?? []) this.destinationIndex.delete(spec.type);
  }

  get domains(): readonly DomainModule[] {
    return this.modules;
  }

  numberKind(kind: string): NumberKindSpec | undefined {
    return this.numberKindIndex.get(kind);
  }

  destination(type: string): DestinationKindSpec | undefined {
    return this.destinationIndex.get(type);
  }

  get destinationTypes(): string[] {
    return [...this.destinationIndex.keys()];
  }

  /** The internal-call rights of dial permissions (F-4.3.3), in registration order. */
  get rights(): RightSpec[] {
    return this.modules.flatMap((m) => m.rights ?? []);
  }

  /** The astdb families keyed by extension number, of every domain. */
  get numberKeyedFamilies(): NumberKeyedFamily[] {
    return this.modules.flatMap((m) => m.numberKeyedFamilies ?? []);
  }

  referrersOf(target: string): ReferrerSpec[] {
    return this.modules.flatMap((m) => (m.referrers ?? []).filter((r) => r.target === target));
  }

  /** The label of a Destination slot, e.g. `sends unanswered calls there`. */
  slotLabel(slot: string): string {
    for (const m of this.modules) {
      const label = m.destinationSlots?.[slot];
      if (label) return label;
    }
    return `routes calls there (${slot})`;
  }
}

/** The registry the server runs with; filled by src/domains/index.ts. */
export const domains = new DomainRegistry();
