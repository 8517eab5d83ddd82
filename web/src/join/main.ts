import { mount } from 'svelte';
import JoinPage from './JoinPage.svelte';
import './phone.css';

const target = document.getElementById('phone');
if (!target) throw new Error('join.html has no #phone element');
export default mount(JoinPage, { target });
