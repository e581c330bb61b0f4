import { Injectable } from '@nestjs/common';
import { RequestContext } from '../common/context/request-context';
import { NotFound } from '../common/errors/domain-errors';
import type { UserDto } from './dto/user.dto';
import { toUserDto } from './users.mapper';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly context: RequestContext,
  ) {}

  async me(): Promise<UserDto> {
    const principal = this.context.requirePrincipal();
    const user = await this.users.findById(principal.homeTenantId, principal.userId);
    if (!user) throw new NotFound('User');
    return toUserDto(user);
  }
}
