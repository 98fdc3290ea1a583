/** The console's entry: renders the app into #app. */
import { render } from 'preact';

function App() {
  return (
    <main>
      <h1>Krafter Domains</h1>
      <p>The console is loading.</p>
    </main>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
