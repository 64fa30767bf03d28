/**
 * The fleet's 'llama-cpp' tier kind: a tier whose `model` is the path of a
 * GGUF file run in this process by llama.cpp ({@link LlamaCppProvider}, built
 * through {@link createProvider}). The tier's `numCtx` becomes the context
 * size (llama.cpp fixes it when the context is created, so the per-call
 * `numCtx` the fleet passes is not needed).
 *
 * The control keeps one provider per model file so that the fleet's
 * downgrade (`unload`) really frees the weights and context the requests
 * used, and an upgrade (`load`) loads the larger file before the fleet moves.
 * An allocation failure of llama.cpp surfaces as `LlmError` code 'oom',
 * which the fleet counts as OOM-class (same downgrade rules as Ollama tiers).
 * `ps` reports nothing: an in-process model has no server-side VRAM report,
 * so partial offload is never flagged for these tiers.
 */
import { createProvider } from './factory.js';
import type { FleetTier } from './fleet-config.js';
import type { TierContext, TierControl, TierProviderKind } from './fleet.js';
import { LlamaCppProvider, type LlamaCppSettings } from './provider-llama-cpp.js';

/**
 * Builds a 'llama-cpp' tier kind. Providers are cached per model path for
 * the life of the kind (one load per file, shared by provider and control).
 * @param settings llama.cpp settings applied to every tier of this kind
 *   (threads, temperature, seed, gpu, ...); the tier's `numCtx` wins over
 *   `contextSize`, the fleet's timeout is used when `timeoutMs` is not set.
 */
export function llamaCppTierKind(settings: Partial<Omit<LlamaCppSettings, 'modelPath'>> = {}): TierProviderKind {
  const providers = new Map<string, LlamaCppProvider>();
  const get = (model: string, numCtx: number | undefined, ctx: TierContext): LlamaCppProvider => {
    let p = providers.get(model);
    if (!p) {
      const built = createProvider({ provider: 'llama-cpp', model, timeoutMs: ctx.timeoutMs, llamaCpp: { ...settings, ...(numCtx !== undefined ? { contextSize: numCtx } : {}) } });
      if (!(built instanceof LlamaCppProvider)) throw new Error('createProvider(llama-cpp) did not return a LlamaCppProvider');
      p = built;
      providers.set(model, p);
    }
    return p;
  };
  return {
    provider: (tier: FleetTier, ctx: TierContext) => get(tier.model, tier.numCtx, ctx),
    control(ctx: TierContext): TierControl {
      return {
        async load(model, _keepAlive, tier) {
          await get(model, tier?.numCtx, ctx).check();
        },
        async unload(model) {
          const p = providers.get(model);
          if (p) await p.dispose();
        },
        async ps() {
          return [];
        },
      };
    },
  };
}
