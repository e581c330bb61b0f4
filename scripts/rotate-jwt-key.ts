import { rotateDevKeyRing } from '../src/auth/keys/dev-key-ring';
import { publicKeyPem } from '../src/auth/keys/signing-key';
import { loadConfig } from '../src/config/app-config';

/**
 * `npm run keys:rotate`: a new signing key in the development key ring (DATA_DIR/jwt-keys.json); the
 * previous one keeps verifying until its tokens have expired. Restart the service to sign with it.
 * With JWT_PRIVATE_KEY set, rotation is a configuration change instead (see the README).
 */
function main(): void {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
  if (config.jwtAlgorithm === 'HS256') throw new Error('JWT_ALGORITHM is HS256: there is no key pair to rotate');
  if (config.jwtPrivateKeyPem) throw new Error('JWT_PRIVATE_KEY is set: rotate it in the environment (see the README)');
  const [current, ...others] = rotateDevKeyRing(config.dataDir, config.jwtAlgorithm);
  console.log(
    `new ${current.alg} signing key ${current.kid} in ${config.dataDir}; still verifying: ${others.map((k) => k.kid).join(', ') || 'none'}`,
  );
  console.log(publicKeyPem(current));
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
