/** Entry point of the admin page bundle. */
import { render } from 'preact';
import { SignedInPage } from './auth/signed-in-page.tsx';
import './styles.css';

const root = document.getElementById('app');
if (root) render(<SignedInPage />, root);
