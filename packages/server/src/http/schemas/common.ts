import { Type, type TSchema } from 'typebox';

export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: 'Stable machine-readable error code (docs/errors.md).' }),
    error: Type.String({ description: 'Human-readable message.' }),
  },
  { $id: 'Error', title: 'Error' },
);

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, Type.Ref('Error')])) as Record<number, TSchema>;

export const AppIdParams = Type.Object({ appId: Type.String({ maxLength: 100 }) });
export const Timestamp = Type.String({ format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
