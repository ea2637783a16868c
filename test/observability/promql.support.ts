import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** Grafana's interval variables; it replaces them with a duration before Prometheus sees the query. */
const GRAFANA_INTERVALS =
  /\$(?:__rate_interval|__interval|__range)\b|\$\{__(?:rate_interval|interval|range)\}/g;

/** A series selector of a query: its metric name, the labels it matches on, the range function it feeds. */
export interface Selector {
  metric: string | undefined;
  labels: string[];
  /** `rate` for `rate(m[5m])`: the function whose range-vector argument this selector is. */
  rangeFunction: string | undefined;
}

export interface PromqlRefs {
  /** Where the parser found no valid PromQL, as `at <offset>: <text there>`. */
  errors: string[];
  selectors: Selector[];
  /** Labels named by `by`, `without`, `on`, `ignoring` and `group_left`/`group_right`. */
  groupingLabels: string[];
}

/** A PromQL string literal's value ("…", '…' or `…`). */
const unquote = (literal: string): string =>
  literal.startsWith('`')
    ? literal.slice(1, -1)
    : (JSON.parse(`"${literal.slice(1, -1)}"`) as string);

const children = (node: SyntaxNode): SyntaxNode[] => {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c !== null; c = c.nextSibling) out.push(c);
  return out;
};

/**
 * The metric names and label names a Grafana query uses, read with Prometheus's own PromQL grammar (the one its web
 * UI uses), after replacing Grafana's interval variables as Grafana does. Another `$variable` is a syntax error here.
 */
export function promqlRefs(grafanaExpr: string): PromqlRefs {
  const expr = grafanaExpr.replace(GRAFANA_INTERVALS, '5m');
  const text = (n: SyntaxNode): string => expr.slice(n.from, n.to);
  const refs: PromqlRefs = { errors: [], selectors: [], groupingLabels: [] };
  parser.parse(expr).iterate({
    enter: (ref) => {
      const node = ref.node;
      if (ref.type.isError) {
        refs.errors.push(`at ${ref.from}: '${expr.slice(ref.from, ref.from + 20)}'`);
      } else if (ref.name === 'GroupingLabels') {
        refs.groupingLabels.push(...children(node).map(labelName));
      } else if (ref.name === 'VectorSelector') {
        refs.selectors.push(selector(node));
      }
    },
  });
  return refs;

  function labelName(n: SyntaxNode): string {
    return n.name === 'QuotedLabelName' ? unquote(text(n.firstChild!)) : text(n);
  }

  function selector(node: SyntaxNode): Selector {
    const id = node.getChild('Identifier');
    let metric = id === null ? undefined : text(id);
    const labels: string[] = [];
    const matchers = node.getChild('LabelMatchers');
    for (const m of matchers === null ? [] : children(matchers)) {
      if (m.name === 'QuotedLabelName') {
        metric = labelName(m); // {"metric.name"}
      } else if (m.name === 'UnquotedLabelMatcher' || m.name === 'QuotedLabelMatcher') {
        const label = labelName(m.firstChild!);
        const value = m.getChild('StringLiteral');
        if (label === '__name__' && text(m.getChild('MatchOp')!) === '=' && value !== null) {
          metric = unquote(text(value));
        } else {
          labels.push(label);
        }
      }
    }
    const call = node.parent?.name === 'MatrixSelector' ? node.parent.parent?.parent : undefined;
    const fn = call?.name === 'FunctionCall' ? call.getChild('FunctionIdentifier') : null;
    return { metric, labels, rangeFunction: fn === null ? undefined : text(fn) };
  }
}
