/** The admin page's frame: top bar, settings navigation, breadcrumb and page title. */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { Announcer } from './announcer.tsx';

export interface Crumb {
  label: string;
  href?: string;
}

interface LayoutProps {
  title: string;
  /** Changes on navigation; focus then moves to the new page's title. */
  pageKey: string;
  crumbs: Crumb[];
  nav: 'servers' | 'repository' | 'activity' | null;
  repositoryHref: string;
  /** Who is signed in, and Sign out. */
  account?: ComponentChildren;
  children: ComponentChildren;
}

export function Layout({ title, pageKey, crumbs, nav, repositoryHref, account, children }: LayoutProps): JSX.Element {
  const heading = useRef<HTMLHeadingElement>(null);
  const firstPage = useRef(true);
  useEffect(() => {
    document.title = `${title} · KPImailer`;
  }, [title]);
  useEffect(() => {
    // After navigation, focus goes to the new page's title so screen readers announce it; not on first load,
    // and not when the title changes on the same page (a renamed server after Save).
    if (firstPage.current) firstPage.current = false;
    else heading.current?.focus();
  }, [pageKey]);
  return (
    <>
      <a
        class="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">
          <svg class="brand__mark" viewBox="0 0 24 24" aria-hidden="true">
            <rect x="2" y="12" width="4" height="10" rx="1" />
            <rect x="9" y="7" width="4" height="15" rx="1" />
            <rect x="16" y="2" width="4" height="20" rx="1" />
          </svg>
          KPImailer
        </span>
        <span class="topbar__section">Administration</span>
        {account ? <div class="topbar__account">{account}</div> : null}
      </header>
      <div class="shell">
        <nav class="sidenav" aria-label="Settings">
          <p class="sidenav__heading" aria-hidden="true">
            Settings
          </p>
          <a class="sidenav__link" href="#/servers" aria-current={nav === 'servers' ? 'page' : undefined}>
            Qlik servers
          </a>
          <a class="sidenav__link" href={repositoryHref} aria-current={nav === 'repository' ? 'page' : undefined}>
            Qlik Repository
          </a>
          <a class="sidenav__link" href="#/activity" aria-current={nav === 'activity' ? 'page' : undefined}>
            Activity
          </a>
        </nav>
        <main id="main" class="main" tabIndex={-1}>
          <nav aria-label="Breadcrumb" class="breadcrumb">
            <ol>
              {crumbs.map((crumb) => (
                <li key={crumb.label}>
                  {crumb.href ? <a href={crumb.href}>{crumb.label}</a> : <span aria-current="page">{crumb.label}</span>}
                </li>
              ))}
            </ol>
          </nav>
          <h1 id="page-title" class="page-title" tabIndex={-1} ref={heading}>
            {title}
          </h1>
          {children}
        </main>
      </div>
      <Announcer />
    </>
  );
}
