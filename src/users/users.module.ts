import { Global, Module } from '@nestjs/common';
import { ProfilesModule } from '../profiles/profiles.module';
import { AccountCache } from './account-cache';
import { BulkOperationsService } from './bulk/bulk-operations.service';
import { IdempotencyKeysRepository } from './bulk/idempotency-keys.repository';
import { InvitationsController } from './invitations/invitations.controller';
import { InvitationsRepository } from './invitations/invitations.repository';
import { InvitationsService } from './invitations/invitations.service';
import { SearchCursorCodec } from './search/search-cursor';
import { UsersSearchRepository } from './search/users-search.repository';
import { UsersSearchService } from './search/users-search.service';
import { UserLifecycleService } from './user-lifecycle.service';
import { UserRolesRepository } from './user-roles.repository';
import { UserRolesService } from './user-roles.service';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Global()
@Module({
  imports: [ProfilesModule],
  providers: [
    UsersRepository,
    UsersService,
    AccountCache,
    UserRolesRepository,
    UserRolesService,
    UserLifecycleService,
    UsersSearchRepository,
    UsersSearchService,
    SearchCursorCodec,
    BulkOperationsService,
    IdempotencyKeysRepository,
    InvitationsRepository,
    InvitationsService,
  ],
  // Static routes first: Fastify would match them anyway, but the order reads as the routing does.
  controllers: [InvitationsController, UsersController],
  exports: [
    UsersRepository,
    UsersService,
    UserRolesService,
    UserLifecycleService,
    InvitationsRepository,
    IdempotencyKeysRepository,
  ],
})
export class UsersModule {}
