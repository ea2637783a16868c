import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api } from './api.client';
import { JobPageView } from './job.page';
import { JobsPage } from './jobs.page';
import { tokenStore } from './token.store';
import { WorkersPage } from './workers.page';

type Route = { page: 'jobs' } | { page: 'job'; id: string } | { page: 'workers' };

function routeOf(hash: string): Route {
  const job = /^#\/jobs\/([0-9a-f-]{36})$/i.exec(hash);
  if (job?.[1] !== undefined) return { page: 'job', id: job[1] };
  if (hash === '#/workers') return { page: 'workers' };
  return { page: 'jobs' };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.hash));
  useEffect(() => {
    const on = (): void => {
      setRoute(routeOf(location.hash));
    };
    addEventListener('hashchange', on);
    return () => {
      removeEventListener('hashchange', on);
    };
  }, []);
  return route;
}

/** Asks for the API token; nothing else is rendered or fetched until there is one. */
function TokenForm({ onToken }: { onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="token-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim() !== '') onToken(value.trim());
      }}
    >
      <h1>repvgg-dist</h1>
      <label for="api-token">API token</label>
      <input
        id="api-token"
        type="password"
        autocomplete="off"
        value={value}
        onInput={(e) => {
          setValue(e.currentTarget.value);
        }}
      />
      <button type="submit">Open dashboard</button>
      <p class="hint">Kept for this browser session only.</p>
    </form>
  );
}

function App() {
  const [token, setToken] = useState(tokenStore.get);
  const api = useMemo(() => (token === null ? null : new Api(token)), [token]);
  const route = useRoute();
  if (api === null) {
    return (
      <TokenForm
        onToken={(t) => {
          tokenStore.set(t);
          setToken(t);
        }}
      />
    );
  }
  return (
    <>
      <nav>
        <a href="#/" class={route.page === 'workers' ? '' : 'active'}>
          Jobs
        </a>
        <a href="#/workers" class={route.page === 'workers' ? 'active' : ''}>
          Workers
        </a>
        <button
          type="button"
          class="sign-out"
          onClick={() => {
            tokenStore.clear();
            setToken(null);
          }}
        >
          Forget token
        </button>
      </nav>
      <main>
        {route.page === 'job' ? (
          <JobPageView api={api} id={route.id} key={route.id} />
        ) : route.page === 'workers' ? (
          <WorkersPage api={api} />
        ) : (
          <JobsPage api={api} />
        )}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
