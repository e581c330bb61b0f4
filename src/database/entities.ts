import { ApiKey } from '../api-keys/entities/api-key.entity';
import { TrustedDevice } from '../devices/entities/trusted-device.entity';
import { UserMfa } from '../mfa/entities/user-mfa.entity';
import { UserContactInfo } from '../profiles/entities/user-contact-info.entity';
import { UserPreferences } from '../profiles/entities/user-preferences.entity';
import { UserProfile } from '../profiles/entities/user-profile.entity';
import { Role } from '../rbac/entities/role.entity';
import { Session } from '../sessions/entities/session.entity';
import { Tenant } from '../tenants/entities/tenant.entity';
import { Invitation } from '../users/entities/invitation.entity';
import { UserPassword } from '../users/entities/user-password.entity';
import { User } from '../users/entities/user.entity';

/** Every TypeORM entity of the application; a feature adds its own here. */
export const entities = [
  Tenant,
  User,
  UserPassword,
  UserProfile,
  UserContactInfo,
  UserPreferences,
  Invitation,
  Session,
  Role,
  ApiKey,
  UserMfa,
  TrustedDevice,
];
