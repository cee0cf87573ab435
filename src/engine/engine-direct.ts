// The engine port without the read model in front of it (EngineModule provides it): for the rare
// caller that must ask the engine itself, such as a lookup that missed in the model's answer.
export const ENGINE_DIRECT = Symbol('ENGINE_DIRECT');
