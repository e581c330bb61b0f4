import { ApiProperty } from '@nestjs/swagger';
import { ContactInfoDto, PreferencesDto, ProfileDto } from '../../profiles/dto/profile.dto';
import { UserDto } from './user.dto';

/** An account in lists: the account and the names of the roles granted to it. */
export class UserSummaryDto extends UserDto {
  @ApiProperty({
    type: [String],
    example: ['helpdesk'],
    description: 'Roles granted beyond the built-in role of the user type',
  })
  roles: string[];
}

/** One account in full: what GET /users/{id} and /users/me answer. */
export class UserDetailDto extends UserSummaryDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why the account was last activated, deactivated or suspended',
  })
  statusReason: string | null;

  @ApiProperty({ type: ProfileDto }) profile: ProfileDto;
  @ApiProperty({ type: ContactInfoDto, description: 'Stored encrypted; shown only to the user and to administrators' })
  contactInfo: ContactInfoDto;
  @ApiProperty({ type: PreferencesDto }) preferences: PreferencesDto;
}
