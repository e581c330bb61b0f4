import { Global, Module } from '@nestjs/common';
import { BuiltInRolesSeeder } from './built-in-roles.seeder';
import { PermissionResolver } from './permission-resolver';
import { PrivilegeService } from './privilege.service';
import { RoleAssignmentService } from './role-assignment.service';
import { RolesController } from './roles.controller';
import { RolesRepository } from './roles.repository';
import { RolesService } from './roles.service';

@Global()
@Module({
  providers: [
    PermissionResolver,
    PrivilegeService,
    RolesRepository,
    BuiltInRolesSeeder,
    RolesService,
    RoleAssignmentService,
  ],
  controllers: [RolesController],
  exports: [PermissionResolver, PrivilegeService, BuiltInRolesSeeder, RoleAssignmentService],
})
export class RbacModule {}
