// Narrows a model to some schemas, as reading it live with those schemas would.
import type { SchemaModel } from './model.js';

/** The model with only the objects of `schemas` (and database-wide ones); unchanged when `schemas` is null. */
export function limitToSchemas(model: SchemaModel, schemas: readonly string[] | null): SchemaModel {
  if (schemas === null) return model;
  const wanted = new Set(schemas);
  const kept = model.objects.filter((object) => {
    if (object.kind === 'SCHEMA') return wanted.has(object.name);
    return object.schema === null ? object.kind === 'EXTENSION' : wanted.has(object.schema);
  });
  return { ...model, schemas: [...wanted].sort(), objects: kept };
}
