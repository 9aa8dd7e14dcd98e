// Browser entry of the offline IDE. Plain JS (no JSX) so the TypeScript build ignores it; esbuild
// bundles it with GraphiQL and React, so the page needs nothing from another origin.
import React from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/graphiql.css';

function readExamples() {
  const node = document.getElementById('mlgate-examples');
  try {
    return node ? JSON.parse(node.textContent || '[]') : [];
  } catch {
    return [];
  }
}

async function fetcher(params) {
  const res = await fetch(window.location.pathname, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(params),
  });
  return res.json();
}

const examples = readExamples();
const tabs = examples.map((e) => ({ query: e.query, variables: e.variables }));

createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultTabs: tabs.length ? tabs : undefined,
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false,
  }),
);
