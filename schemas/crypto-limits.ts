import limits from './crypto-limits.json' with { type: 'json' };

/** Size and cost limits shared by the C core (CMake reads the JSON), the gRPC server and every JS provider. */
export const CRYPTO_LIMITS: Readonly<typeof limits> = limits;
