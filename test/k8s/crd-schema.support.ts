import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { load } from 'js-yaml';

/** The CRDs of the operators the components use; each folder's SOURCE.md says where they come from. */
const CRDS = [
  'keda/keda.sh_scaledobjects.yaml',
  'keda/keda.sh_triggerauthentications.yaml',
  'prometheus-operator/monitoring.coreos.com_podmonitors.yaml',
  'cert-manager/cert-manager.io_certificates.yaml',
  'cert-manager/cert-manager.io_issuers.yaml',
].map((file) => resolve(__dirname, '../fixtures', file));

interface Crd {
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; schema: { openAPIV3Schema: Schema } }[];
  };
}
type Schema = { [keyword: string]: unknown };

/**
 * The API server prunes unknown fields and `kubectl apply` refuses them (strict field validation), so an object
 * schema without `additionalProperties` or `x-kubernetes-preserve-unknown-fields` closes here: a misspelt field fails.
 */
function closeObjects(schema: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties' && v !== null && typeof v === 'object') {
      out[k] = Object.fromEntries(
        Object.entries(v as Record<string, Schema>).map(([p, s]) => [p, closeObjects(s)]),
      );
    } else if ((k === 'items' || k === 'additionalProperties') && typeof v === 'object') {
      out[k] = closeObjects(v as Schema);
    } else if ((k === 'anyOf' || k === 'allOf' || k === 'oneOf') && Array.isArray(v)) {
      out[k] = (v as Schema[]).map(closeObjects);
    } else {
      out[k] = v;
    }
  }
  const open =
    schema['x-kubernetes-preserve-unknown-fields'] === true ||
    schema.additionalProperties !== undefined;
  if (schema.type === 'object' && schema.properties !== undefined && !open) {
    out.additionalProperties = false;
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });
// Kubernetes' own formats; an int32 field must hold one.
ajv.addFormat('int32', {
  type: 'number',
  validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
});
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);

/** `apiVersion/kind` → a validator of that CRD version's schema (metadata is the API server's to check). */
export const CRD_VALIDATORS = new Map<string, ValidateFunction>();
for (const file of CRDS) {
  const crd = load(readFileSync(file, 'utf8')) as Crd;
  for (const v of crd.spec.versions) {
    const schema = closeObjects(v.schema.openAPIV3Schema);
    const props = schema.properties as Record<string, Schema>;
    props.metadata = { type: 'object' };
    CRD_VALIDATORS.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, ajv.compile(schema));
  }
}

/** Throws the schema errors of `obj` as one message. */
export function validateCrd(validate: ValidateFunction, obj: unknown): void {
  if (validate(obj)) return;
  const errors = (validate.errors ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
  );
  throw new Error(errors.join('; '));
}
