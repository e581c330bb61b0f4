import { TrustedDevice } from '../devices/entities/trusted-device.entity';
import { UserMfa } from '../mfa/entities/user-mfa.entity';
import { Session } from '../sessions/entities/session.entity';
import { Tenant } from '../tenants/entities/tenant.entity';
import { UserPassword } from '../users/entities/user-password.entity';
import { User } from '../users/entities/user.entity';

/** Every TypeORM entity of the application; a feature adds its own here. */
export const entities = [Tenant, User, UserPassword, Session, UserMfa, TrustedDevice];
