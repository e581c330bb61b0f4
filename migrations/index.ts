import { InitialSchema1764374400000 } from './1764374400000-InitialSchema';
import { RefreshTokenFamilies1764374500000 } from './1764374500000-RefreshTokenFamilies';
import { UsersLastLoginDescIndex1764374600000 } from './1764374600000-UsersLastLoginDescIndex';
import { AuditErasure1764374800000 } from './1764374800000-AuditErasure';
import { AuditSealing1764374900000 } from './1764374900000-AuditSealing';
import { ExpiredRowsPurge1764375000000 } from './1764375000000-ExpiredRowsPurge';
import { HotRefreshRotation1764375100000 } from './1764375100000-HotRefreshRotation';
import { AuditTriggerRowCompare1764375200000 } from './1764375200000-AuditTriggerRowCompare';

/** Every migration, in order. A new migration is added here as well as in its own file. */
export const migrations = [
  InitialSchema1764374400000,
  RefreshTokenFamilies1764374500000,
  UsersLastLoginDescIndex1764374600000,
  AuditErasure1764374800000,
  AuditSealing1764374900000,
  ExpiredRowsPurge1764375000000,
  HotRefreshRotation1764375100000,
  AuditTriggerRowCompare1764375200000,
];
