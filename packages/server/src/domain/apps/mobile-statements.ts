import { PasskeydError } from '../errors.js';
import type { App } from '../types.js';
import { ANDROID_ORIGIN_PREFIX, isAndroidOrigin } from './app-settings.js';

/**
 * What the operator hosts on the RP ID's domain so that the platforms let a native app use it.
 * passkeyd verifies an Android app by its signing-certificate hash alone and an iOS app by the
 * origin `https://<rp id>`, so it never needs the package name or the Apple app ID; they are asked
 * for only to fill these files, and a placeholder stands in when they are not given.
 */
export const ANDROID_PACKAGE_PLACEHOLDER = 'REPLACE.WITH.ANDROID.PACKAGE';
export const APPLE_APP_ID_PLACEHOLDER = 'TEAMID.REPLACE.WITH.BUNDLE.ID';

const ANDROID_PACKAGE = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/;
// An App ID prefix (the Team ID) is 10 characters, then the bundle ID.
const APPLE_APP_ID = /^[A-Z0-9]{10}\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;

/** The colon-hex SHA-256 that `keytool -list -v` prints and assetlinks.json expects. */
export function certFingerprintOf(androidOrigin: string): string {
  const bytes = Buffer.from(androidOrigin.slice(ANDROID_ORIGIN_PREFIX.length), 'base64url');
  return [...bytes].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

export function mobileStatements(
  app: App,
  opts: { androidPackage?: string | undefined; appleAppId?: string | undefined } = {},
) {
  if (opts.androidPackage !== undefined && !ANDROID_PACKAGE.test(opts.androidPackage)) {
    throw new PasskeydError(
      'invalid_request',
      'android_package must be a package name such as com.example.app',
      {
        details: { field: 'android_package' },
      },
    );
  }
  if (opts.appleAppId !== undefined && !APPLE_APP_ID.test(opts.appleAppId)) {
    throw new PasskeydError(
      'invalid_request',
      'apple_app_id must be TEAMID.bundle.id, the 10-character Team ID then the bundle ID',
      { details: { field: 'apple_app_id' } },
    );
  }
  const fingerprints = app.origins.filter(isAndroidOrigin).map(certFingerprintOf);
  return {
    /** https://<rp id>/.well-known/assetlinks.json (Credential Manager: "Add support for DAL"). */
    assetlinks:
      fingerprints.length === 0
        ? []
        : [
            {
              relation: ['delegate_permission/common.get_login_creds'],
              target: {
                namespace: 'android_app' as const,
                package_name: opts.androidPackage ?? ANDROID_PACKAGE_PLACEHOLDER,
                sha256_cert_fingerprints: fingerprints,
              },
            },
          ],
    /** https://<rp id>/.well-known/apple-app-site-association, the `webcredentials` service. */
    appleAppSiteAssociation: {
      webcredentials: { apps: [opts.appleAppId ?? APPLE_APP_ID_PLACEHOLDER] },
    },
  };
}
