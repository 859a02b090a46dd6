import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { Link } from '../router.js';

export interface Crumb {
  label: string;
  href: string;
}

/** "Apps › <app name>": the trail above every page of one app. */
export function appCrumbs(app: { id: string; name: string }): Crumb[] {
  return [
    { label: 'Apps', href: '/' },
    { label: app.name, href: `/apps/${encodeURIComponent(app.id)}` },
  ];
}

/**
 * The page's title. On every new page it sets document.title and takes focus, so a screen
 * reader announces where a client-side navigation led and Tab starts from the top of it.
 */
export function PageHeader({
  title,
  crumbs = [],
  description,
  actions,
}: {
  title: string;
  crumbs?: Crumb[];
  description?: ComponentChildren;
  actions?: ComponentChildren;
}) {
  const h1 = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${[title, ...crumbs.map((c) => c.label).reverse()].join(' · ')} · passkeyd console`;
    h1.current?.focus({ preventScroll: true });
  }, [title, crumbs.map((c) => c.label).join('/')]);
  return (
    <header class="page-header">
      {crumbs.length > 0 ? (
        <nav aria-label="Breadcrumb" class="crumbs">
          <ol>
            {crumbs.map((c) => (
              <li key={c.href}>
                <Link href={c.href}>{c.label}</Link>
              </li>
            ))}
          </ol>
        </nav>
      ) : null}
      <div class="page-title-row">
        <div>
          <h1 ref={h1} tabIndex={-1}>
            {title}
          </h1>
          {description ? <p class="page-description">{description}</p> : null}
        </div>
        {actions ? <div class="page-actions">{actions}</div> : null}
      </div>
    </header>
  );
}
