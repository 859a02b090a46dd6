/** Sent as `Passage-Flex-Version` so server logs can tell this SDK from passage-flex-js. */
export const SDK_VERSION = '@passkeyd/js 0.1.0';
