import { Option } from 'commander';
import { probability } from './option-parsers';

/** `--random-erasing P`: the same flag on `train` and on the job commands (`submit`, `run`). */
export function randomErasingOption(): Option {
  return new Option(
    '--random-erasing <p>',
    'probability of Random Erasing per training sample (area 2–40 %, aspect 0.3–3.3, N(0,1) fill; default 0)',
  ).argParser(probability);
}
