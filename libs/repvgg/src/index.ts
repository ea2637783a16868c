export * from './arch/arch-spec';
export * from './arch/variants';
export * from './tensor/host-tensor';
