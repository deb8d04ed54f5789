import { api, get } from '@gantry/decorators';

@api('')
export class HealthApi {
  @get('/health')
  static async check() {
    return { ok: true };
  }
}
