export { default as ClassOverlay } from './ClassOverlay.svelte';
export { default as ClassPanel } from './ClassPanel.svelte';
