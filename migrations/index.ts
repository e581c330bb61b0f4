import { InitialSchema1764374400000 } from './1764374400000-InitialSchema';
import { AuditErasure1764374800000 } from './1764374800000-AuditErasure';

/** Every migration, in order. A new migration is added here as well as in its own file. */
export const migrations = [InitialSchema1764374400000, AuditErasure1764374800000];
