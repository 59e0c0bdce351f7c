import type { GrpcNacl } from '@anochat/crypto-native/node';
import {
  decodeDeviceCertificate,
  decodeDeviceRevocation,
  deviceCertificateSigningBytes,
  deviceRevocationSigningBytes,
} from '@anochat/protocol';
import { AppError } from '../errors/app-error.ts';

/**
 * Checks the statements a user's identity key signs about the user's devices (docs/crypto.md,
 * "Identity"): a certificate when a device is added, a revocation when one is removed. Clients check
 * them too; the server refuses bad ones so that no client ever has to hold a device it would reject.
 */
export interface DeviceStatements {
  /** Throws INVALID_CERTIFICATE unless the identity key certified exactly this user and these keys. */
  checkCertificate(
    identityPublicKey: Uint8Array,
    certificate: Uint8Array,
    device: { username: string; boxPublicKey: Uint8Array; signPublicKey: Uint8Array },
  ): Promise<void>;
  /** Throws INVALID_CERTIFICATE unless the identity key revoked exactly this device of this user. */
  checkRevocation(
    identityPublicKey: Uint8Array,
    revocation: Uint8Array,
    device: { username: string; signPublicKey: Uint8Array },
  ): Promise<void>;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

export function createDeviceStatements(nacl: Pick<GrpcNacl, 'verifyBatch'>): DeviceStatements {
  async function requireSignature(
    identityPublicKey: Uint8Array,
    message: Uint8Array,
    signature: Uint8Array,
    what: string,
  ) {
    const [valid] = await nacl.verifyBatch([{ publicKey: identityPublicKey, message, signature }]);
    if (valid !== true) {
      throw new AppError('INVALID_CERTIFICATE', `the ${what} is not signed by the identity key`);
    }
  }

  return {
    async checkCertificate(identityPublicKey, certificate, device) {
      const decoded = decodeDeviceCertificate(certificate);
      if (!decoded.ok) {
        throw new AppError('INVALID_CERTIFICATE', `certificate: ${decoded.error.message}`);
      }
      const fields = decoded.value;
      if (
        fields.username !== device.username.toLowerCase() ||
        !sameBytes(fields.boxPublicKey, device.boxPublicKey) ||
        !sameBytes(fields.signPublicKey, device.signPublicKey)
      ) {
        throw new AppError(
          'INVALID_CERTIFICATE',
          'the certificate names another user or other keys than this device',
        );
      }
      await requireSignature(
        identityPublicKey,
        deviceCertificateSigningBytes(fields),
        fields.signature,
        'certificate',
      );
    },

    async checkRevocation(identityPublicKey, revocation, device) {
      const decoded = decodeDeviceRevocation(revocation);
      if (!decoded.ok) {
        throw new AppError('INVALID_CERTIFICATE', `revocation: ${decoded.error.message}`);
      }
      const fields = decoded.value;
      if (
        fields.username !== device.username.toLowerCase() ||
        !sameBytes(fields.signPublicKey, device.signPublicKey)
      ) {
        throw new AppError('INVALID_CERTIFICATE', 'the revocation names another user or device');
      }
      await requireSignature(
        identityPublicKey,
        deviceRevocationSigningBytes(fields),
        fields.signature,
        'revocation',
      );
    },
  };
}
