/**
 * A small CloudFormation evaluator for tests: parses a template with its intrinsic tags and resolves
 * Ref, GetAtt, Sub, Join, Split, If, Equals, Not, And, Or and Select for given parameters, so tests can
 * check references and read the IAM policies a stack would really get.
 */
import { readFileSync } from 'node:fs';
import { parse, YAMLMap, YAMLSeq, type Tags } from 'yaml';

const INTRINSICS = [
  'Ref',
  'GetAtt',
  'Sub',
  'Join',
  'Split',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'Select',
  'Condition',
  'Base64',
  'GetAZs',
  'ImportValue',
  'FindInMap',
  'Cidr',
];

function intrinsicTags(): Tags {
  return INTRINSICS.flatMap((name) => {
    const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
    const wrap = (value: unknown) => ({
      [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value,
    });
    return [
      { tag: `!${name}`, resolve: (text: string) => wrap(text) },
      { tag: `!${name}`, collection: 'seq' as const, resolve: (s: YAMLSeq) => wrap(s.toJSON()), nodeClass: YAMLSeq },
      { tag: `!${name}`, collection: 'map' as const, resolve: (m: YAMLMap) => wrap(m.toJSON()), nodeClass: YAMLMap },
    ];
  }) as unknown as Tags;
}

export interface Template {
  Parameters: Record<string, { Type: string; Default?: string | number }>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties?: Record<string, unknown> }>;
  Outputs: Record<string, { Value: unknown }>;
}

/** Parses a template file with CloudFormation's short-form tags. */
export function loadTemplate(path: string): Template {
  return parse(readFileSync(path, 'utf8'), { customTags: intrinsicTags() }) as Template;
}

export const NO_VALUE = Symbol('AWS::NoValue');

/** Resolves intrinsics for one set of parameter values; GetAtt yields "<Logical>.<Attr>" markers. */
export class Evaluator {
  readonly refs = new Set<string>();
  private readonly pseudo: Record<string, unknown> = {
    'AWS::Region': 'eu-west-1',
    'AWS::AccountId': '111122223333',
    'AWS::Partition': 'aws',
    'AWS::StackName': 'test',
    'AWS::NoValue': NO_VALUE,
  };

  constructor(
    private readonly template: Template,
    private readonly params: Record<string, unknown>,
  ) {}

  private parameter(name: string): unknown {
    const p = this.template.Parameters[name];
    const value = this.params[name] ?? p.Default;
    if (value === undefined) throw new Error(`parameter ${name} has no value and no default`);
    if (p.Type.startsWith('List<') || p.Type === 'CommaDelimitedList') {
      return Array.isArray(value) ? value : String(value) === '' ? [''] : String(value).split(',');
    }
    return value;
  }

  /** Resolves a name used in Ref or ${} (parameter, pseudo parameter or resource). */
  ref(name: string): unknown {
    this.refs.add(name);
    if (name in this.pseudo) return this.pseudo[name];
    if (this.template.Parameters?.[name]) return this.parameter(name);
    if (this.template.Resources?.[name]) return `ref:${name}`;
    throw new Error(`Ref to unknown name ${name}`);
  }

  condition(name: string): boolean {
    const c = this.template.Conditions?.[name];
    if (c === undefined) throw new Error(`unknown condition ${name}`);
    return Boolean(this.eval(c));
  }

  private sub(text: string, vars: Record<string, unknown> = {}): string {
    return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
      if (name in vars) return String(this.eval(vars[name]));
      if (name.includes('.')) return `${this.getAtt(name.split('.'))}`;
      return String(this.ref(name));
    });
  }

  private getAtt([logical, attr]: string[]): string {
    if (!this.template.Resources?.[logical]) throw new Error(`GetAtt of unknown resource ${logical}`);
    this.refs.add(logical);
    return `${logical}.${attr}`;
  }

  /** Evaluates any node, dropping AWS::NoValue from lists and maps. */
  eval(node: unknown): unknown {
    if (Array.isArray(node)) return node.map((n) => this.eval(n)).filter((v) => v !== NO_VALUE);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0];
      const a = arg as any;
      switch (key) {
        case 'Ref':
          return this.ref(a);
        case 'Fn::GetAtt':
          return this.getAtt(a);
        case 'Fn::Sub':
          return Array.isArray(a) ? this.sub(a[0], a[1]) : this.sub(a);
        case 'Fn::Join':
          return (this.eval(a[1]) as unknown[]).join(this.eval(a[0]) as string);
        case 'Fn::Split':
          return String(this.eval(a[1])).split(this.eval(a[0]) as string);
        case 'Fn::If':
          return this.condition(a[0]) ? this.eval(a[1]) : this.eval(a[2]);
        case 'Fn::Equals':
          return (
            this.eval(a[0]) === this.eval(a[1]) || JSON.stringify(this.eval(a[0])) === JSON.stringify(this.eval(a[1]))
          );
        case 'Fn::Not':
          return !this.eval(a[0]);
        case 'Fn::And':
          return a.every((c: unknown) => this.eval(c));
        case 'Fn::Or':
          return a.some((c: unknown) => this.eval(c));
        case 'Fn::Select':
          return (this.eval(a[1]) as unknown[])[Number(this.eval(a[0]))];
        case 'Condition':
          return this.condition(a);
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      const value = this.eval(v);
      if (value !== NO_VALUE) out[k] = value;
    }
    return out;
  }

  /** Every resource (with its Condition honoured) with resolved properties. */
  resources(): Record<string, { Type: string; Properties: any }> {
    const out: Record<string, { Type: string; Properties: any }> = {};
    for (const [name, r] of Object.entries(this.template.Resources)) {
      if (r.Condition && !this.condition(r.Condition)) continue;
      out[name] = { Type: r.Type, Properties: this.eval(r.Properties ?? {}) };
    }
    return out;
  }
}
