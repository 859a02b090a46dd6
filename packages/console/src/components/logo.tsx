/** passkeyd's mark: a key in a rounded square (the favicon, inline). */
export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg
      class="logo"
      width={size}
      height={size}
      viewBox="0 0 32 32"
      aria-hidden="true"
      focusable="false"
    >
      <rect width="32" height="32" rx="7" class="logo-bg" />
      <circle cx="12" cy="13" r="5" fill="none" stroke="#fff" stroke-width="2.5" />
      <path
        d="M15.5 16.5 24 25m-4-4 2.5-2.5m-5 0 2 2"
        fill="none"
        stroke="#fff"
        stroke-width="2.5"
        stroke-linecap="round"
      />
    </svg>
  );
}
