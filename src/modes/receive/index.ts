import { runIdentity, whySecretsMayBeMissing } from '../../runner/context.js';
import { spec } from '../../runner/inputs.js';
import { envName, text } from '../../runner/parsers.js';
import { checkOpenAiEnv, HANDOFF_SECRET_INPUT, OPENAI_ENV_INPUT } from '../shared-inputs.js';
import { defineMode } from '../unit.js';

/** receive: opens the key an earlier job of this run sealed into its `handoff` output. Sends nothing. */

export interface ReceiveConfig {
  mode: 'receive';
  handoff: string;
  handoffSecret: string;
  exportEnv?: string;
  /** Also export OPENAI_API_KEY and OPENAI_BASE_URL (the shared `base-url`). */
  openaiEnv: boolean;
  baseUrl: URL;
}

export const receive = defineMode({
  name: 'receive',
  selectedBy: 'handoff',
  inputs: {
    handoff: spec(text, {
      strict: true,
      required: () =>
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression for the user to copy
        "Pass the minting job's output, e.g. handoff: ${{ needs.mint.outputs.handoff }}, and list that job under 'needs'.",
    }),
    'handoff-secret': {
      ...HANDOFF_SECRET_INPUT,
      required: () =>
        `Pass the same secret the minting job used, e.g. handoff-secret: \${{ secrets.VENICE_HANDOFF_SECRET }}. ` +
        `${whySecretsMayBeMissing()}`,
    },
    'export-env': spec(envName),
    'openai-env': OPENAI_ENV_INPUT,
  },
  refuses: {
    // The jobs that receive a handed-off key run the code under test: they must not hold it.
    'admin-key':
      "must not be given to mode 'receive': the jobs that receive a handed-off key run the code under test " +
      'and must not hold it. Remove it from this step.',
  },

  configure(values, inputs): ReceiveConfig {
    checkOpenAiEnv(values, inputs);
    return {
      mode: 'receive',
      handoff: values.handoff ?? '',
      handoffSecret: values['handoff-secret'] ?? '',
      exportEnv: values['export-env'],
      openaiEnv: values['openai-env'],
      baseUrl: values['base-url'],
    };
  },

  async run(config) {
    const { receive } = await import('./run.js');
    await receive(config, runIdentity());
  },
});
