import { ValidateIf } from 'class-validator';

/**
 * The field may be left out, but not sent as null: unlike @IsOptional(), null goes on to the field's
 * other validators and fails them (400), instead of reaching a NOT NULL column or a policy knob.
 */
export const OptionalNotNull = () => ValidateIf((_object, value) => value !== undefined);
