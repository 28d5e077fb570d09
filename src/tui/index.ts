/** The terminal UI (Ink): the App component that steps through a recorded trace, and LiveApp for a trace that grows. */
export { App, type AppProps } from './App.js';
export { LiveApp, type LiveAppProps, type LiveSource } from './LiveApp.js';
