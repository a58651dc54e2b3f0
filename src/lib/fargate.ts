/**
 * Fargate's task sizes (Linux): each CPU value allows a fixed set of memory values.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */

const range = (from: number, to: number, step: number) =>
  Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);

/** CPU units (1024 = 1 vCPU) -> the memory values (MiB) Fargate accepts with them. */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

export const FARGATE_CPU_UNITS = Object.keys(FARGATE_SIZES).map(Number);

/** The memory values valid with `cpu`, or an empty list when `cpu` itself is not a Fargate size. */
export function validMemoryFor(cpu: number): readonly number[] {
  return FARGATE_SIZES[cpu] ?? [];
}

export function isValidFargateSize(cpu: number, memoryMiB: number): boolean {
  return validMemoryFor(cpu).includes(memoryMiB);
}

/** `512, 1024 or 2048`; long lists are shown as a range with their step. */
export function describeMemoryValues(values: readonly number[]): string {
  if (values.length <= 4) {
    return values.length === 1
      ? String(values[0])
      : `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`;
  }
  const step = values[1]! - values[0]!;
  return `${values[0]} to ${values[values.length - 1]} in steps of ${step}`;
}
