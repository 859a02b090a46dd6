import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { AdminApp } from './api.js';

/** The app list, loaded once by the shell (the sidebar shows it) and reloaded after changes. */
export interface AppsState {
  apps: AdminApp[];
  reload: () => void;
}

export const AppsContext = createContext<AppsState>({ apps: [], reload: () => {} });

export const useApps = () => useContext(AppsContext);
