import { Type } from 'typebox';

const b64 = (description: string) => Type.String({ maxLength: 16_384, description });

/** WebAuthn JSON as passage-flex-js sends it; lenient where clients differ (passage-wire.md §6.5). */
export const CredentialResponse = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 1400 })),
    rawId: Type.Optional(Type.String({ maxLength: 1400 })),
    type: Type.Optional(Type.String({ maxLength: 32 })),
    response: Type.Object(
      {
        clientDataJSON: b64('base64url or base64'),
        attestationObject: Type.Optional(b64('registration only')),
        authenticatorData: Type.Optional(b64('authentication only')),
        signature: Type.Optional(Type.String({ maxLength: 2048 })),
        userHandle: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
        transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16 })),
      },
      { additionalProperties: true },
    ),
    transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16 })),
    clientExtensionResults: Type.Optional(Type.Object({}, { additionalProperties: true })),
    authenticatorAttachment: Type.Optional(
      Type.Union([Type.String({ maxLength: 32 }), Type.Null()]),
    ),
  },
  { additionalProperties: true, $id: 'CredentialResponse', title: 'CredentialResponse' },
);

const Id = Type.String({ minLength: 1, maxLength: 100 });

export const RegisterStartBody = Type.Object({
  transaction_id: Type.Optional(Id),
  authenticator_attachment: Type.Optional(
    Type.Union([Type.Literal('platform'), Type.Literal('cross-platform'), Type.Literal('any')]),
  ),
});

export const AuthenticateStartBody = Type.Object({
  transaction_id: Type.Optional(Id),
});

export const FinishBody = Type.Object({
  handshake_id: Id,
  handshake_response: Type.Ref('CredentialResponse'),
  transaction_id: Type.Optional(Type.String({ maxLength: 100 })),
});

export const HandshakeResponse = Type.Object({
  handshake: Type.Object({
    id: Type.String(),
    challenge: Type.Object({
      publicKey: Type.Object(
        {},
        {
          additionalProperties: true,
          description: 'PublicKeyCredentialCreationOptionsJSON or RequestOptionsJSON',
        },
      ),
    }),
  }),
  transaction_id: Type.Optional(Type.String()),
});

export const NonceResponse = Type.Object({ nonce: Type.String() });
