export declare function requireService(name: 'PostgreSQL' | 'Redis', url: string): Promise<void>;
export declare const POSTGRES_ADMIN_URL: string;
export declare const REDIS_URL: string;
