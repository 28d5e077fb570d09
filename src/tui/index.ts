/** The terminal UI (Ink): the App component that steps through a recorded trace. */
export { App, type AppProps } from './App.js';
